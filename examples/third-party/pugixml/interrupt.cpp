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
//
// The handshake: pugixml allocates its tree in 32 KiB pages through a
// replaceable allocation function; ours counts the pages of the parse and
// at the 200th one (about 6 MB of tree) the main thread sends the interrupt
// (examples/third-party/interrupt_example.h). The allocation function is
// SAFEPOINT_NO_INTERRUPTS: no interrupt is ever thrown between malloc and
// the return that hands the memory to pugixml. The interrupt is thrown at
// the first poll in pugixml after that, when the page is already linked
// into the document.
#include "../interrupt_example.h"

#include <pugixml.hpp>

#include <cstdlib>
#include <string>

static example::Handshake *handshake = nullptr;

SAFEPOINT_NO_INTERRUPTS static void *counting_allocate(size_t size) {
  void *p = std::malloc(size);
  if (handshake)
    handshake->reached();
  return p;
}

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

static size_t count_items(const pugi::xml_document &doc) {
  size_t items = 0;
  for (pugi::xml_node item : doc.child("catalog").children("item")) {
    EXAMPLE_CHECK(item.attribute("id").as_ullong() == items);
    ++items;
  }
  return items;
}

int main() {
  pugi::set_memory_management_functions(counting_allocate, std::free);
  const std::string big = make_document(size_t(32) << 20); // 32 MiB
  pugi::xml_document doc;

  // 1. Parse 32 MiB, interrupted at the 200th page of the tree.
  example::Handshake hs(200);
  handshake = &hs;
  bool interrupted = example::interrupt_long_call(
      "pugi::xml_document::load_buffer(32 MiB)", hs,
      [&] { doc.load_buffer(big.data(), big.size()); });
  handshake = nullptr;
  EXAMPLE_CHECK(interrupted);

  // 2. The same document loads the next input normally (load_buffer resets
  //    it first, freeing what the interrupted parse built).
  const std::string small = make_document(size_t(1) << 20);
  auto t0 = example::clock::now();
  pugi::xml_parse_result r = doc.load_buffer(small.data(), small.size());
  EXAMPLE_CHECK(r);
  size_t items = count_items(doc);
  EXAMPLE_CHECK(items > 1000);
  pugi::xpath_node_set cheap = doc.select_nodes("//item[price < 10]");
  EXAMPLE_CHECK(!cheap.empty());
  std::printf("pugixml: next parse of 1 MiB: %zu items, %zu cheap, %.0f ms\n",
              items, cheap.size(), example::ms_since(t0));

  // 3. And the whole 32 MiB, uninterrupted.
  t0 = example::clock::now();
  EXAMPLE_CHECK(doc.load_buffer(big.data(), big.size()));
  items = count_items(doc);
  std::printf("pugixml: then all 32 MiB: %zu items, %.0f ms\n", items,
              example::ms_since(t0));
  std::puts("interrupt example: passed");
}
