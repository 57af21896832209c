// cache_line.h: keeping per-thread data off other threads' cache lines.
//
// Per-thread shards are aligned to a cache line, but memory they own on the heap is
// not: eight small vectors allocated one after another share lines, and two threads
// writing "their own" vectors then slow each other down (false sharing).
// CacheLineAllocator gives each allocation whole cache lines of its own.
//
//   std::vector<std::uint8_t, CacheLineAllocator<std::uint8_t>> ring(100);
#ifndef SLUICE_CORE_BASE_CACHE_LINE_H_
#define SLUICE_CORE_BASE_CACHE_LINE_H_

#include <cstddef>
#include <new>

namespace sluice {

// kCacheLine: the line size of the machines sluice runs on (x86-64, most ARM64, and
// whatever hosts the WebAssembly runtime); a guess elsewhere costs only memory.
inline constexpr std::size_t kCacheLine = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;

  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new (rounded(n), std::align_val_t{kCacheLine})); }
  void deallocate(T* p, std::size_t n) { ::operator delete (p, rounded(n), std::align_val_t{kCacheLine}); }

  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }

 private:
  static std::size_t rounded(std::size_t n) { return (n * sizeof(T) + kCacheLine - 1) / kCacheLine * kCacheLine; }
};

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_CACHE_LINE_H_
