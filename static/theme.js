// Applies the theme the user picked before the page is first drawn, so a dark page never flashes
// light. Kept in step with src/lib/platform/theme.ts (its key and values); without a choice the
// page follows the system setting (static/app.css).
try {
	var theme = localStorage.getItem('playground-theme');
	if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
	// Storage blocked: follow the system setting.
}
