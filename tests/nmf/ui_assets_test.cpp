// The web UI's files as the controller serves them (nmf/api/ui_assets.h):
// pages, hashed assets, headers, caching, and what it refuses to load.
#include "nmf/api/ui_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace spin::nmf {
namespace {

namespace fs = std::filesystem;

class UiAssetsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("spin-ui-test-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "assets");
        write("index.html", "<!doctype html><title>SPIN</title>");
        write("assets/index-3f2a9c.js", "console.log(1)");
        write("assets/index-77aa01.css", "body{}");
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    httplib::Response get(const UiAssets& ui, const std::string& path, const std::string& method = "GET",
                          const std::string& etag = "") {
        httplib::Request req;
        req.method = method;
        req.path = path;
        if (!etag.empty()) req.headers.emplace("If-None-Match", etag);
        httplib::Response res;
        ui.serve(req, res);
        return res;
    }

    fs::path dir_;
};

TEST_F(UiAssetsTest, EveryPageIsTheIndexWithAStrictPolicy) {
    const UiAssets ui = UiAssets::load(dir_.string());
    EXPECT_EQ(ui.files(), 3u);
    for (const char* page :
         {"/", "/devices", "/devices/", "/devices/02:53:50:49:4e:12", "/events", "/agents", "/blocks"}) {
        const auto res = get(ui, page);
        EXPECT_EQ(res.status, 200) << page;
        EXPECT_EQ(res.body, "<!doctype html><title>SPIN</title>") << page;
        EXPECT_EQ(res.get_header_value("Content-Type"), "text/html; charset=utf-8") << page;
        EXPECT_EQ(res.get_header_value("Cache-Control"), "no-cache") << page;
        const std::string csp = res.get_header_value("Content-Security-Policy");
        EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
        EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
        EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
        EXPECT_EQ(csp.find("unsafe"), std::string::npos);
        EXPECT_EQ(res.get_header_value("X-Content-Type-Options"), "nosniff");
    }
}

TEST_F(UiAssetsTest, HashedAssetsAreCachedForAYearAndRevalidatedByETag) {
    const UiAssets ui = UiAssets::load(dir_.string());
    const auto js = get(ui, "/assets/index-3f2a9c.js");
    EXPECT_EQ(js.status, 200);
    EXPECT_EQ(js.get_header_value("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(js.get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(get(ui, "/assets/index-77aa01.css").get_header_value("Content-Type"), "text/css; charset=utf-8");
    const std::string etag = get(ui, "/").get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    const auto again = get(ui, "/devices", "GET", etag);
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(get(ui, "/", "GET", "\"other\"").status, 200);
}

TEST_F(UiAssetsTest, WhatIsNotThereIsNotFoundAndNothingIsWritten) {
    const UiAssets ui = UiAssets::load(dir_.string());
    for (const char* path : {"/nothing", "/devices/a/b", "/assets/../index.html", "/../../etc/passwd", "/assets/",
                             "/index.html/", "/%2e%2e/etc/passwd"})
        EXPECT_EQ(get(ui, path).status, 404) << path;
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
        const auto res = get(ui, "/", method);
        EXPECT_EQ(res.status, 405) << method;
        EXPECT_EQ(res.get_header_value("Allow"), "GET, HEAD");
    }
    EXPECT_EQ(get(ui, "/", "HEAD").status, 200);
}

TEST_F(UiAssetsTest, WithoutABuildThePageSaysHowToBuildIt) {
    const UiAssets none;
    const auto res = get(none, "/");
    EXPECT_EQ(res.status, 404);
    EXPECT_NE(res.body.find("not built"), std::string::npos) << res.body;
}

TEST_F(UiAssetsTest, RefusesWhatTheBuildNeverMakes) {
    EXPECT_THROW(UiAssets::load((dir_ / "assets").string()), std::runtime_error);  // no index.html
    write(".env", "secret");
    EXPECT_THROW(UiAssets::load(dir_.string()), std::runtime_error);
    fs::remove(dir_ / ".env");
    fs::create_symlink("/etc/hostname", dir_ / "assets" / "hostname.txt");
    try {
        UiAssets::load(dir_.string());
        ADD_FAILURE() << "a symbolic link was followed";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace spin::nmf
