// The detached CMS signature of a MUD file (RFC 8520 section 13), checked
// with OpenSSL against the trust anchors the configuration names.  The
// signer's certificate must chain to an anchor; any purpose is accepted, so
// the anchors themselves decide who may sign MUD files (give MUD anchors,
// not the system's web CAs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spin::mud {

struct SignatureOptions {
    bool ignore_time = false;  // accept certificates outside their validity (the caller's explicit choice)
};

struct SignatureCheck {
    bool ok = false;
    std::string reason;         // why not, in OpenSSL's words and ours
    std::string signer;         // the signing certificate's subject, "O=..., CN=..." (when ok)
    std::string signer_issuer;  // and its issuer
    std::string signer_sha256;  // SHA-256 of the signing certificate (DER), hex
};

// `signature` is the .p7s as served: DER (RFC 8520), PEM also read.
// `anchors` are PEM texts, each with one or more certificates.
SignatureCheck verify_signature(std::string_view content, std::string_view signature,
                                const std::vector<std::string>& anchors, const SignatureOptions& options = {});

}  // namespace spin::mud
