// A home in which one device turns bot (docs/detection.md, "Attack
// captures"): benign traffic from every device throughout (DHCP, DNS, cloud
// TCP sessions, NTP, a camera's upload), and from `bot_after_s` the chosen
// attack phases from the infected camera, one after another, with benign
// gaps between them:
//   mirai              scan SYNs at `scan_rate`/s, sequence number = destination,
//                      port 23 nine times in ten else 2323, random public targets,
//                      a few RSTs and SYN-ACKs back
//   syn_flood          SYNs to one victim at `flood_rate`/s, random source ports
//   udp_flood          512-byte UDP datagrams to random ports of the victim
//   icmp_flood         echo requests to the victim
//   ack_flood          TCP ACKs with no handshake to the victim
//   dns_water_torture  queries for random sub-labels of one domain to the home's
//                      resolver at `dns_rate`/s, nearly all answered NXDOMAIN
// Written as a combined capture and its LAN / WAN halves (frames from the
// gateway are the WAN's), with a ground-truth JSON file.  Deterministic for
// a seed.  Test traffic only: never sent on a network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spin::gen {

struct AttackScenario {
    std::vector<std::string> phases{"mirai"};
    uint64_t seed = 1;
    double benign_s = 60;      // benign traffic before the first phase
    double phase_s = 20;       // each phase's length
    double gap_s = 10;         // benign traffic between phases and after the last
    double scan_rate = 160;    // Mirai SYNs per second
    double flood_rate = 2000;  // flood packets per second
    double dns_rate = 200;     // water-torture queries per second
};

// Writes DIR/attack.pcap, DIR/attack-lan.pcap, DIR/attack-wan.pcap and
// DIR/attack-truth.json.  Throws std::invalid_argument on an unknown phase.
void attack_capture(const AttackScenario& s, const std::string& dir);

// The phase names, for messages.
const std::vector<std::string>& attack_phases();

}  // namespace spin::gen
