// libFuzzer harness: the MUD parser on hostile text, as a device's MUD URL or
// a user's upload hands it over.  Oracle: nothing throws or crashes; a file
// is valid exactly when it has a profile and no error; --strict turns exactly
// the tolerated departures into errors; a valid profile's policies name only
// ACLs it has; and what the writer makes of a valid profile reads back as it
// (its never-matching entries left out).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mud/parser.h"
#include "mud/writer.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz-mud: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto tolerant = spin::mud::parse(text);
    const auto strict = spin::mud::parse(text, {.strict = true});
    if (tolerant.valid() != (tolerant.profile && tolerant.errors.empty())) fail("valid() disagrees with the errors");
    if (!strict.warnings.empty()) fail("a strict reading has warnings");
    if (strict.errors.size() != tolerant.errors.size() + tolerant.warnings.size())
        fail("strict errors are not the tolerant errors and warnings");
    if (strict.valid() && !tolerant.valid()) fail("valid when strict, invalid when tolerant");
    for (const auto& d : tolerant.errors)
        if (d.message.empty()) fail("an error without a message");
    if (tolerant.valid()) {
        const auto& p = *tolerant.profile;
        for (const auto* names : {&p.from_device, &p.to_device})
            for (const auto& n : *names)
                if (p.acl(n) == nullptr) fail("a valid profile names a missing ACL: " + n);
        if (!p.mud_url.starts_with("https://")) fail("a valid profile without an https MUD URL");
        spin::mud::Profile usable = p;
        for (auto& a : usable.acls) std::erase_if(a.aces, [](const spin::mud::Ace& x) { return !x.unusable.empty(); });
        const auto back = spin::mud::parse(spin::mud::write_mud(p));
        if (!back.valid() || !(*back.profile == usable)) fail("the written profile does not read back as itself");
    }
    return 0;
}
