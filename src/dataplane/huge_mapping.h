// RAII over an anonymous private mapping that the kernel is asked (best
// effort: madvise) to back with transparent huge pages: memory that is
// reached at random, a flow table's, where 4 KiB pages would cost a TLB miss
// on nearly every access.  Zero-filled, touched as used, unmapped with the
// object.  Move-only.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace spin::dp {

class HugeMapping {
public:
    HugeMapping() = default;
    // Throws std::bad_alloc when the kernel refuses the mapping.
    explicit HugeMapping(size_t bytes) : size_(bytes != 0 ? bytes : 1) {
        base_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base_ == MAP_FAILED) {
            base_ = nullptr;
            throw std::bad_alloc();
        }
        madvise(base_, size_, MADV_HUGEPAGE);  // best effort
    }
    HugeMapping(HugeMapping&& o) noexcept { swap(o); }
    HugeMapping& operator=(HugeMapping&& o) noexcept {
        swap(o);
        return *this;
    }
    HugeMapping(const HugeMapping&) = delete;
    HugeMapping& operator=(const HugeMapping&) = delete;
    ~HugeMapping() {
        if (base_ != nullptr) munmap(base_, size_);
    }

    uint8_t* data() const { return static_cast<uint8_t*>(base_); }
    size_t size() const { return size_; }

private:
    void swap(HugeMapping& o) noexcept {
        std::swap(base_, o.base_);
        std::swap(size_, o.size_);
    }

    void* base_ = nullptr;
    size_t size_ = 0;
};

}  // namespace spin::dp
