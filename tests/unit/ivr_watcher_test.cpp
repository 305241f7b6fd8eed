// The inotify watcher of the flows folder: an edited file is reloaded
// without SIGHUP, a burst of writes is one reload (debounce), a broken edit
// keeps the running version with its errors, a removed file keeps it too,
// and editors' temporary files are not flows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "hotline/ivr/library.hpp"
#include "hotline/ivr/watcher.hpp"

namespace hotline::ivr {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* kHello = "start: hello\nnodes:\n  hello:\n    type: play\n    prompt: \"您好\"\n    next: bye\n"
                     "  bye:\n    type: hangup\n";
const char* kBroken = "start: hello\nnodes:\n  hello:\n    type: play\n    prompt: \"您好\"\n    next: gone\n";

std::string hello_saying(const std::string& text) {
  std::string out = kHello;
  out.replace(out.find("您好"), std::string("您好").size(), text);
  return out;
}

class IvrFlowWatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("ivr-watch-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    ValidationContext c;
    c.schedules = {"staffed"};
    library = std::make_unique<FlowLibrary>(dir, c);
  }
  void TearDown() override {
    watcher.reset();
    fs::remove_all(dir);
  }

  void start(std::chrono::milliseconds debounce = 200ms) {
    watcher = std::make_unique<FlowWatcher>(*library, debounce, [this](const std::vector<ReloadOutcome>& outcomes) {
      std::lock_guard lock(mutex);
      ++batches;
      for (const auto& o : outcomes) reloaded.push_back(o.name);
      changed.notify_all();
    });
    ASSERT_TRUE(watcher->watching());
  }

  void write(const std::string& file, const std::string& text) {
    std::ofstream(dir / file, std::ios::binary) << text;
  }

  // Waits until `batches` reloads happened; false after 5 s.
  bool wait_for_batches(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 5s, [&] { return batches >= count; });
  }

  fs::path dir;
  std::unique_ptr<FlowLibrary> library;
  std::unique_ptr<FlowWatcher> watcher;
  std::mutex mutex;
  std::condition_variable changed;
  int batches = 0;
  std::vector<std::string> reloaded;
};

TEST_F(IvrFlowWatcher, AnEditedFileRunsForNewCallsWithoutSighup) {
  write("main.yaml", kHello);
  library->reload_all();
  auto v1 = library->get("main");
  ASSERT_TRUE(v1);
  start();

  write("main.yaml", hello_saying("早上好"));
  ASSERT_TRUE(wait_for_batches(1));
  auto v2 = library->get("main");
  ASSERT_TRUE(v2);
  EXPECT_NE(v2, v1);
  EXPECT_EQ(library->info("main")->version, 2u);
  EXPECT_NE(v2->source.find("早上好"), std::string::npos);
  EXPECT_NE(v1->source.find("您好"), std::string::npos);  // a call on version 1 keeps it
}

TEST_F(IvrFlowWatcher, ANewFileIsLoaded) {
  start();
  // Written elsewhere and moved in, as editors and `install` do.
  std::ofstream(dir / "new.yaml.part", std::ios::binary) << kHello;
  fs::rename(dir / "new.yaml.part", dir / "new.yaml");
  ASSERT_TRUE(wait_for_batches(1));
  ASSERT_TRUE(library->get("new"));
  EXPECT_EQ(library->info("new")->version, 1u);
}

TEST_F(IvrFlowWatcher, ABurstOfWritesIsOneReload) {
  write("main.yaml", kHello);
  library->reload_all();
  // A long debounce, so that a busy test machine pausing this thread between writes does not split the burst.
  start(1000ms);
  // An editor saving several times in quick succession: only the last text counts.
  for (int i = 0; i < 5; ++i) {
    write("main.yaml", hello_saying("第" + std::to_string(i) + "版"));
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(wait_for_batches(1));
  std::this_thread::sleep_for(1500ms);  // a second batch, if the debounce failed, would come by now
  std::lock_guard lock(mutex);
  EXPECT_EQ(batches, 1);
  EXPECT_EQ(reloaded, std::vector<std::string>{"main"});
  EXPECT_EQ(library->info("main")->version, 2u);
  EXPECT_NE(library->get("main")->source.find("第4版"), std::string::npos);
}

TEST_F(IvrFlowWatcher, ABrokenEditKeepsTheRunningVersionWithItsErrors) {
  write("main.yaml", kHello);
  library->reload_all();
  auto v1 = library->get("main");
  start();
  write("main.yaml", kBroken);
  ASSERT_TRUE(wait_for_batches(1));
  EXPECT_EQ(library->get("main"), v1);
  auto info = library->info("main");
  EXPECT_EQ(info->version, 1u);
  ASSERT_EQ(info->errors.size(), 1u);
  EXPECT_EQ(info->errors[0].pos.line, 6);
  EXPECT_NE(info->errors[0].message.find("\"gone\", which is not a node"), std::string::npos);

  write("main.yaml", hello_saying("修好了"));  // fixed: runs, errors cleared
  ASSERT_TRUE(wait_for_batches(2));
  EXPECT_EQ(library->info("main")->version, 2u);
  EXPECT_TRUE(library->info("main")->errors.empty());
}

TEST_F(IvrFlowWatcher, ARemovedFileKeepsItsVersion) {
  write("main.yaml", kHello);
  library->reload_all();
  auto v1 = library->get("main");
  start();
  fs::remove(dir / "main.yaml");
  ASSERT_TRUE(wait_for_batches(1));
  EXPECT_EQ(library->get("main"), v1);
  auto info = library->info("main");
  ASSERT_EQ(info->errors.size(), 1u);
  EXPECT_EQ(info->errors[0].message, "the file is gone; the running version stays");
}

TEST_F(IvrFlowWatcher, EditorsTemporaryFilesAreNotFlows) {
  start(100ms);
  write(".main.yaml.swp", "junk");
  write("main.yaml~", "junk");
  write("4913", "");
  write("bad name.yaml", kHello);
  std::this_thread::sleep_for(500ms);
  write("main.yaml", kHello);  // the one real flow, so that the test knows when the watcher looked
  ASSERT_TRUE(wait_for_batches(1));
  std::lock_guard lock(mutex);
  EXPECT_EQ(batches, 1);
  EXPECT_EQ(reloaded, std::vector<std::string>{"main"});
  EXPECT_EQ(library->list().size(), 1u);
}

TEST_F(IvrFlowWatcher, AMissingFolderIsNotWatched) {
  ValidationContext c;
  FlowLibrary none(dir / "nosuch", c);
  FlowWatcher w(none);
  EXPECT_FALSE(w.watching());
}

}  // namespace
}  // namespace hotline::ivr
