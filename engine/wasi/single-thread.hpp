// Forced into every llama.cpp/ggml C++ file by tools/build-engine.ts. Debian's wasm32 libc++ is
// built without threads and without filesystem operations, so <mutex>, <future> and the
// std::filesystem queries are empty. These single-thread stand-ins let the unchanged sources
// compile: locks do nothing, std::async runs its task at once (the loader's tensor
// validation), and the backend search on disk finds no directory.
#pragma once
#ifdef __cplusplus
#include <filesystem>
#include <system_error>
namespace std { namespace filesystem {
inline path current_path() { return path(); }
inline bool exists(const path &, std::error_code & ec) { ec.clear(); return false; }
inline bool exists(const path &) { return false; }
class directory_entry {
public:
    const class path & path() const { return p_; }
    operator const class path &() const { return p_; }
    bool is_regular_file(std::error_code & ec) const { ec.clear(); return false; }
private:
    class path p_;
};
class directory_iterator {
public:
    directory_iterator(const path &, directory_options) {}
    directory_iterator() {}
    const directory_iterator & begin() const { return *this; }
    directory_iterator end() const { return directory_iterator(); }
    bool operator!=(const directory_iterator &) const { return false; }
private:
    directory_entry e_;
public:
    directory_iterator & operator++() { return *this; }
    const directory_entry & operator*() const { return e_; }
};
} }
#endif
#ifdef __cplusplus
#include <mutex>
#include <future>
#include <utility>
#include <type_traits>
namespace std {
class mutex {
public:
    void lock() {}
    void unlock() {}
    bool try_lock() { return true; }
};
class recursive_mutex : public mutex {};
template <class M> class lock_guard {
public:
    explicit lock_guard(M & m) : m_(m) { m_.lock(); }
    ~lock_guard() { m_.unlock(); }
private:
    M & m_;
};
template <class M> class unique_lock {
public:
    explicit unique_lock(M & m) : m_(&m) { m_->lock(); }
    ~unique_lock() { if (m_) m_->unlock(); }
    void unlock() { if (m_) { m_->unlock(); m_ = nullptr; } }
private:
    M * m_;
};
enum class launch { async = 1, deferred = 2 };
template <class T> class future {
public:
    explicit future(T v) : v_(std::move(v)) {}
    T get() { return std::move(v_); }
private:
    T v_;
};
template <class F, class... A> future<invoke_result_t<F, A...>> async(launch, F && f, A &&... a) {
    return future<invoke_result_t<F, A...>>(std::forward<F>(f)(std::forward<A>(a)...));
}
}
#endif
