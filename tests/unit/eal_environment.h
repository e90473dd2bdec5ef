// A DPDK environment for tests that need mbufs and rings: no hugepages, no
// PCI, no shared files, a unique prefix, one lcore.
#pragma once

#include <rte_mempool.h>

namespace spin::test {

// The shared mbuf pool (created on first use, after the EAL is up).
rte_mempool* mbuf_pool();

}  // namespace spin::test
