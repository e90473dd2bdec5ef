// MAC vendors from the IEEE registries: longest match across MA-L / MA-M /
// MA-S, locally administered and group addresses told apart, hostile CSV
// lines counted and skipped; and the real ieee-data files where installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "nmf/model/oui_database.h"

using spin::nmf::OuiDatabase;
using spin::nmf::Vendor;

namespace {

const char* kCsv =
    "Registry,Assignment,Organization Name,Organization Address\n"
    "MA-L,001788,Philips Lighting BV,Mathildelaan 1 Eindhoven  NL 5611 BD \n"
    "MA-L,70B3D5,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 \n"
    "MA-M,70B3D51,\"Quoted, Inc.\",\"somewhere, \"\"quoted\"\" street\"\n"
    "MA-S,70B3D5F2F,TELEPLATFORMS,\"Polbina st., 3/1 Moscow  RU 109388 \"\n"
    "MA-L,12345,Too Short,\n"
    "MA-L,ZZZZZZ,Not Hex,\n"
    "MA-L,AABBCC,\"open quote,\n"
    "MA-L,AABBCD,,\n";

TEST(OuiDatabase, LongestMatchAndAddressKinds) {
    OuiDatabase db;
    EXPECT_EQ(db.add_csv(kCsv), 4u);
    EXPECT_EQ(db.malformed_lines(), 4u);
    auto name = [&](std::array<uint8_t, 6> mac) { return db.lookup(mac).name; };
    EXPECT_EQ(name({0x00, 0x17, 0x88, 0x24, 0x76, 0xff}), "Philips Lighting BV");
    EXPECT_EQ(name({0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01}), "TELEPLATFORMS");  // 36 bits
    EXPECT_EQ(name({0x70, 0xb3, 0xd5, 0x1a, 0x00, 0x01}), "Quoted, Inc.");   // 28 bits
    EXPECT_EQ(name({0x70, 0xb3, 0xd5, 0x99, 0x00, 0x01}), "IEEE Registration Authority");
    EXPECT_EQ(db.lookup({0x00, 0x17, 0x89, 0, 0, 1}).kind, Vendor::Kind::unregistered);
    EXPECT_EQ(db.lookup({0x02, 0x17, 0x88, 0, 0, 1}).kind, Vendor::Kind::locally_administered);
    EXPECT_EQ(db.lookup({0xda, 0xa1, 0x19, 0, 0, 1}).kind, Vendor::Kind::locally_administered);
    EXPECT_EQ(db.lookup({0x01, 0x00, 0x5e, 0, 0, 0xfb}).kind, Vendor::Kind::group);
    EXPECT_EQ(db.lookup({0x02, 0x17, 0x88, 0, 0, 1}).name, "");
}

TEST(OuiDatabase, DebianIeeeData) {
    if (!std::filesystem::exists(std::string(spin::nmf::kIeeeDataDir) + "/oui.csv"))
        GTEST_SKIP() << "ieee-data is not installed (tools/install-deps installs it)";
    const auto db = OuiDatabase::load();
    EXPECT_GT(db.size(), 40000u);
    EXPECT_EQ(db.lookup({0x00, 0x17, 0x88, 1, 2, 3}).name, "Philips Lighting BV");
    EXPECT_EQ(db.lookup({0xb0, 0xc5, 0x54, 1, 2, 3}).name, "D-Link International");
    EXPECT_EQ(db.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x00}).name, "TELEPLATFORMS");
    EXPECT_THROW(OuiDatabase::load("/nonexistent"), std::runtime_error);
}

}  // namespace
