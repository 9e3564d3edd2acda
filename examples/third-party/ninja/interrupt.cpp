// Interrupting ninja's manifest parser on a huge build graph.
//
// ninja is compiled with -fno-exceptions -fno-rtti; the Safepoint plugin
// gives it unwind tables and cleanups, so the interrupt unwinds through the
// nested ManifestParser::Load / Parse / ParseFileInclude frames and frees
// their strings, lexers and sub-parsers: LeakSanitizer reports nothing.
//
// The input: build.ninja includes 100 files of 1000 build edges each (about
// 100k edges and 200k nodes). ninja reads every file through a FileReader,
// here an in-memory one; it counts the files, and while the parser reads
// the 30th the main thread sends the interrupt
// (examples/third-party/interrupt_example.h). It is thrown at the first poll
// in the parser after ReadFile returns.
//
// What it leaves: the State holds the nodes and edges parsed so far, as it
// would after a parse error; ninja keeps its graph for the life of the
// process (State has no destructor, by design). The caller throws that State
// away and parses again into a new one. What would not be safe: `subninja`
// instead of `include`. ninja allocates the sub-scope with a bare `new
// BindingEnv` that nothing owns until the first edge of the file refers to
// it; an interrupt in between leaks it (LeakSanitizer says so). A
// safepoint::no_interrupts scope around the parse, or [[no_interrupts]] on
// ManifestParser::ParseFileInclude, would fix it. See docs/retrofitting.md.
#include "../interrupt_example.h"

#include "disk_interface.h"
#include "graph.h"
#include "manifest_parser.h"
#include "state.h"

#include <map>
#include <string>

namespace {

constexpr int kFiles = 100, kEdgesPerFile = 1000;

// The manifest, in memory; every read passes the handshake.
struct MemoryFiles : FileReader {
  std::map<std::string, std::string> files;
  example::Handshake *hs = nullptr;
  long reads = 0;

  Status ReadFile(const std::string &path, std::string *contents,
                  std::string *err) override {
    auto it = files.find(path);
    if (it == files.end()) {
      *err = "no such file";
      return NotFound;
    }
    *contents = it->second;
    ++reads;
    if (hs)
      hs->reached();
    return Okay;
  }
};

MemoryFiles make_manifest() {
  MemoryFiles fs;
  std::string top = "cflags = -O2\n"
                    "rule cc\n"
                    "  command = cc $cflags -c $in -o $out\n"
                    "  description = CC $out\n"
                    "rule link\n"
                    "  command = cc $in -o $out\n";
  for (int f = 0; f < kFiles; ++f) {
    std::string name = "part" + std::to_string(f) + ".ninja", part;
    for (int e = 0; e < kEdgesPerFile; ++e) {
      std::string id = std::to_string(f) + "_" + std::to_string(e);
      part += "build obj/" + id + ".o: cc src/" + id + ".c | gen/config.h\n";
      if (e % 10 == 0)
        part += "  cflags = -O0 -DFILE_" + id + "\n";
    }
    part += "build bin/tool" + std::to_string(f) + ": link";
    for (int e = 0; e < kEdgesPerFile; e += 50)
      part += " obj/" + std::to_string(f) + "_" + std::to_string(e) + ".o";
    part += "\n";
    fs.files[name] = std::move(part);
    top += "include " + name + "\n";
  }
  top += "build all: phony";
  for (int f = 0; f < kFiles; ++f)
    top += " bin/tool" + std::to_string(f);
  top += "\ndefault all\n";
  fs.files["build.ninja"] = std::move(top);
  return fs;
}

} // namespace

// ninja's graphs live as long as the process: keep every State reachable
// (external linkage, so that the compiler keeps the stores).
State *example_states[2];

int main() {
  MemoryFiles fs = make_manifest();

  // 1. Parse, interrupted while the parser reads the 30th included file.
  example::Handshake hs(31); // build.ninja, then part0..part29
  fs.hs = &hs;
  example_states[0] = new State;
  bool interrupted = example::interrupt_long_call(
      "ninja ManifestParser::Load(100k edges)", hs, [&] {
        ManifestParser parser(example_states[0], &fs);
        std::string err;
        if (!parser.Load("build.ninja", &err))
          std::printf("parse error: %s\n", err.c_str());
      });
  fs.hs = nullptr;
  EXAMPLE_CHECK(interrupted);
  EXAMPLE_CHECK(fs.reads == 31);
  std::printf("ninja: stopped in file %ld of %d, %zu edges parsed\n",
              fs.reads - 1, kFiles, example_states[0]->edges_.size());

  // 2. The library keeps working: a new State, the whole manifest.
  auto t0 = example::clock::now();
  example_states[1] = new State;
  ManifestParser parser(example_states[1], &fs);
  std::string err;
  EXAMPLE_CHECK(parser.Load("build.ninja", &err));
  size_t edges = example_states[1]->edges_.size();
  EXAMPLE_CHECK(edges == size_t(kFiles) * (kEdgesPerFile + 1) + 1);
  Node *tool = example_states[1]->LookupNode("bin/tool99");
  EXAMPLE_CHECK(tool && tool->in_edge() &&
                tool->in_edge()->inputs_.size() == kEdgesPerFile / 50);
  Node *obj = example_states[1]->LookupNode("obj/42_10.o");
  EXAMPLE_CHECK(obj &&
                obj->in_edge()->GetBinding("cflags") == "-O0 -DFILE_42_10");
  EXAMPLE_CHECK(obj->in_edge()->EvaluateCommand() ==
                "cc -O0 -DFILE_42_10 -c src/42_10.c -o obj/42_10.o");
  std::vector<Node *> defaults = example_states[1]->DefaultNodes(&err);
  EXAMPLE_CHECK(defaults.size() == 1 && defaults[0]->path() == "all");
  std::printf("ninja: next parse of all %d files: %zu edges in %.0f ms\n",
              kFiles, edges, example::ms_since(t0));
  std::puts("interrupt example: passed");
}
