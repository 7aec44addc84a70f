// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {}
	/** Model hosts the deployment added to the Content-Security-Policy (MODEL_HOSTS), from vite.config.ts. */
	const __MODEL_HOSTS__: string[];
	/** The Hugging Face Hub models are found on by name (HUB_URL; https://huggingface.co by default). */
	const __HUB_URL__: string;
}

export {};
