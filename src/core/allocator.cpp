#include "hotline/core/allocator.hpp"

#include <malloc.h>

namespace hotline {

void keep_freed_memory_for_reuse() {
  // Blocks up to 32 MiB come from the arenas, and an arena keeps up to 64 MiB
  // of free space at its top: bounded, and well above what one write batch
  // allocates. Setting either also stops glibc's dynamic threshold tuning.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace hotline
