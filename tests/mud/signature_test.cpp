// The signature check on the one real signed MUD file there is (Cisco's
// Luminaire example, whose CA expired in 2019): refused on time, accepted
// only when the caller ignores time, refused when a byte of it changes.
// Signers and anchors made with the openssl tool are test_mud_files.py's.
#include <string>

#include <gtest/gtest.h>

#include "mud/signature.h"
#include "mud_corpus.h"

using namespace spin::mud;

namespace {

const std::string kCisco = (test::corpus_root() / "cisco").string() + "/";

class CiscoSignature : public ::testing::Test {
protected:
    void SetUp() override {
        content = test::slurp(kCisco + "Luminaire_150.json");
        signature = test::slurp(kCisco + "Luminaire_150.p7s");
        ca = test::slurp(kCisco + "luminaire-cacert.pem");
        if (content.empty() || signature.empty() || ca.empty())
            GTEST_SKIP() << "the shared corpus is not at " << kCisco << "; skipping the signed-file checks";
    }
    std::string content, signature, ca;
};

}  // namespace

TEST_F(CiscoSignature, ExpiredCaFailsUnlessTimeIsIgnored) {
    const auto now = verify_signature(content, signature, {ca});
    EXPECT_FALSE(now.ok);
    EXPECT_NE(now.reason.find("expired"), std::string::npos) << now.reason;
    const auto timeless = verify_signature(content, signature, {ca}, {.ignore_time = true});
    ASSERT_TRUE(timeless.ok) << timeless.reason;
    EXPECT_NE(timeless.signer.find("CN = luminaire.example.com"), std::string::npos) << timeless.signer;
    EXPECT_NE(timeless.signer_issuer.find("Demo Luminaire Manufacturer"), std::string::npos);
    EXPECT_EQ(timeless.signer_sha256.size(), 64u);
}

TEST_F(CiscoSignature, AnyChangedByteFails) {
    for (const size_t at : {size_t{0}, content.size() / 2, content.size() - 1}) {
        std::string tampered = content;
        tampered[at] = static_cast<char>(tampered[at] ^ 0x01);
        EXPECT_FALSE(verify_signature(tampered, signature, {ca}, {.ignore_time = true}).ok) << at;
    }
    EXPECT_FALSE(verify_signature(content + "\n", signature, {ca}, {.ignore_time = true}).ok);
}

TEST_F(CiscoSignature, BrokenSignaturesAndAnchorsAreRefusedWithAReason) {
    const std::pair<std::string, std::string> broken[] = {
        {"", "neither DER nor PEM"},
        {signature.substr(0, signature.size() / 2), "neither DER nor PEM"},
        {content, "neither DER nor PEM"},
    };
    for (const auto& [sig, words] : broken) {
        const auto r = verify_signature(content, sig, {ca}, {.ignore_time = true});
        EXPECT_FALSE(r.ok);
        EXPECT_NE(r.reason.find(words), std::string::npos) << r.reason;
    }
    EXPECT_NE(verify_signature(content, signature, {}, {.ignore_time = true}).reason.find("no trust anchor"),
              std::string::npos);
    EXPECT_NE(verify_signature(content, signature, {"not a certificate"}, {.ignore_time = true})
                  .reason.find("no trust anchor"),
              std::string::npos);
}
