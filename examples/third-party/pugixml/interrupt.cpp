// Interrupting pugi::xml_document::load_buffer on a large document.
//
// The interrupt lands at a poll inside pugixml's parser. The parser's
// temporary state is unwound; the half-built tree stays owned by the
// document, whose next load (or reset(), or destructor) frees it:
// LeakSanitizer reports nothing. The document is usable again at once.
//
// What is not safe: using the half-built document itself (reading or
// appending to it) before reset() or a new load. pugixml's parser works on
// a copy of the document's allocator state and writes it back only when the
// parse returns; an interrupted parse never does. See docs/retrofitting.md.
#include "../interrupt_example.h"

#include <pugixml.hpp>

#include <string>

static std::string make_document(size_t size) {
  std::string s = "<?xml version=\"1.0\"?>\n<catalog>\n";
  s.reserve(size + 256);
  for (unsigned long i = 0; s.size() < size; ++i) {
    s += "  <item id=\"" + std::to_string(i) + "\" kind=\"k" +
         std::to_string(i % 7) + "\"><name>item " + std::to_string(i) +
         "</name><price currency=\"EUR\">" + std::to_string(i % 1000) +
         ".99</price><tags><tag>a</tag><tag>b</tag></tags></item>\n";
  }
  s += "</catalog>\n";
  return s;
}

int main() {
  const std::string big = make_document(size_t(128) << 20); // 128 MiB
  pugi::xml_document doc;

  // 1. A parse that takes seconds, interrupted after 400 ms (past the copy
  //    of the input, one memcpy without polls).
  bool interrupted = example::interrupt_long_call(
      "pugi::xml_document::load_buffer(128 MiB)",
      [&] { doc.load_buffer(big.data(), big.size()); },
      std::chrono::milliseconds(400));
  EXAMPLE_CHECK(interrupted);

  // 2. The same document loads the next input normally (load_buffer resets
  //    it first, freeing what the interrupted parse built).
  const std::string small = make_document(size_t(1) << 20);
  auto t0 = example::clock::now();
  pugi::xml_parse_result r = doc.load_buffer(small.data(), small.size());
  EXAMPLE_CHECK(r);
  size_t items = 0;
  for (pugi::xml_node item : doc.child("catalog").children("item")) {
    EXAMPLE_CHECK(item.attribute("id").as_ullong() == items);
    ++items;
  }
  EXAMPLE_CHECK(items > 1000);
  pugi::xpath_node_set cheap = doc.select_nodes("//item[price < 10]");
  EXAMPLE_CHECK(!cheap.empty());
  std::printf("pugixml: next parse of 1 MiB: %zu items, %zu cheap, %.0f ms\n",
              items, cheap.size(), example::ms_since(t0));
  std::puts("interrupt example: passed");
}
