#include "mud/signature.h"

#include <memory>

#include <fmt/format.h>
// pem.h first: cms.h declares PEM_read_bio_CMS only after it.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace spin::mud {

namespace {

// RAII for the OpenSSL objects this file holds.
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct CmsFree {
    void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct SignersFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // CMS_get0_signers: the certificates are not ours
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cms = std::unique_ptr<CMS_ContentInfo, CmsFree>;
using Store = std::unique_ptr<X509_STORE, StoreFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Signers = std::unique_ptr<STACK_OF(X509), SignersFree>;

Bio memory(std::string_view bytes) { return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()))); }

// OpenSSL's error queue as one sentence (and the queue emptied).
std::string openssl_errors() {
    std::string out;
    const char* data = nullptr;
    int flags = 0;
    while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        std::string part = ERR_reason_error_string(e) != nullptr ? ERR_reason_error_string(e) : buf;
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') part += fmt::format(" ({})", data);
        out += out.empty() ? part : "; " + part;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

std::string name_text(const X509_NAME* name) {
    Bio out(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(out.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    char* p = nullptr;
    const long n = BIO_get_mem_data(out.get(), &p);
    return std::string(p, static_cast<size_t>(n));
}

std::string fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

Cms read_signature(std::string_view signature) {
    Bio der = memory(signature);
    if (Cms cms{d2i_CMS_bio(der.get(), nullptr)}) return cms;
    ERR_clear_error();
    Bio pem = memory(signature);
    return Cms(PEM_read_bio_CMS(pem.get(), nullptr, nullptr, nullptr));
}

}  // namespace

SignatureCheck verify_signature(std::string_view content, std::string_view signature,
                                const std::vector<std::string>& anchors, const SignatureOptions& options) {
    SignatureCheck out;
    ERR_clear_error();
    Cms cms = read_signature(signature);
    if (!cms) {
        out.reason = "the signature is neither DER nor PEM CMS: " + openssl_errors();
        return out;
    }
    if (CMS_is_detached(cms.get()) != 1) {
        out.reason = "the signature is not detached (RFC 8520 signs the file as it is served, apart)";
        return out;
    }
    Store store(X509_STORE_new());
    size_t certs = 0;
    for (const std::string& pem : anchors) {
        Bio in = memory(pem);
        while (Cert c{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)}) {
            X509_STORE_add_cert(store.get(), c.get());
            ++certs;
        }
        ERR_clear_error();  // the end of the PEM text
    }
    if (certs == 0) {
        out.reason = "no trust anchor: the configured anchors hold no PEM certificate";
        return out;
    }
    X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
    if (options.ignore_time) X509_STORE_set_flags(store.get(), X509_V_FLAG_NO_CHECK_TIME);
    Bio data = memory(content);
    if (CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr, CMS_DETACHED | CMS_BINARY) != 1) {
        out.reason = "verification failed: " + openssl_errors();
        return out;
    }
    Signers signers(CMS_get0_signers(cms.get()));
    if (!signers || sk_X509_num(signers.get()) != 1) {
        out.reason = "a MUD file has exactly one signer";
        return out;
    }
    X509* signer = sk_X509_value(signers.get(), 0);
    out.ok = true;
    out.signer = name_text(X509_get_subject_name(signer));
    out.signer_issuer = name_text(X509_get_issuer_name(signer));
    out.signer_sha256 = fingerprint(signer);
    return out;
}

}  // namespace spin::mud
