// Interrupting leveldb: a long scan, and a long write batch.
//
// leveldb is compiled with -fno-exceptions -fno-rtti; the Safepoint plugin
// gives it unwind tables and cleanups, so an interrupt unwinds through it and
// runs its destructors (LeakSanitizer reports nothing).
//
// The handshake: the database uses our comparator (bytewise order, counting
// the comparisons of the worker thread); at a given comparison the main
// thread sends the interrupt (examples/third-party/interrupt_example.h), and
// it is thrown at the first poll in leveldb after Compare returns.
//
// 1. Iterator::SeekToFirst() over a million deleted keys: DBIter skips every
//    tombstone in one call. The interrupt lands in that loop; destroying the
//    iterator (unique_ptr, during unwinding) releases the memtable and
//    version it pinned. The database is untouched and keeps working.
// 2. DB::Write() of a large batch is NOT interrupt-safe: it unlocks and
//    relocks its mutex by hand around the memtable insertion and queues a
//    pointer to a stack object. The caller masks it with a
//    safepoint::no_interrupts scope: the interrupt sent during the write is
//    delivered at the first poll after the scope, with the batch fully
//    applied. See docs/retrofitting.md.
#include "../interrupt_example.h"

#include <leveldb/comparator.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <string>

static example::Handshake *handshake = nullptr;

// leveldb's bytewise order; every comparison passes the handshake.
class CountingComparator : public leveldb::Comparator {
public:
  int Compare(const leveldb::Slice &a, const leveldb::Slice &b) const override {
    if (example::Handshake *hs = handshake)
      hs->reached();
    return base_->Compare(a, b);
  }
  const char *Name() const override { return "example.CountingComparator"; }
  void FindShortestSeparator(std::string *start,
                             const leveldb::Slice &limit) const override {
    base_->FindShortestSeparator(start, limit);
  }
  void FindShortSuccessor(std::string *key) const override {
    base_->FindShortSuccessor(key);
  }

private:
  const leveldb::Comparator *base_ = leveldb::BytewiseComparator();
};

static std::string key(unsigned i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%010u", i);
  return buf;
}

int main(int argc, char **argv) {
  const std::string path =
      argc > 1 ? argv[1] : "/tmp/safepoint-leveldb-example";
  CountingComparator comparator;
  leveldb::DestroyDB(path, leveldb::Options());
  leveldb::Options options;
  options.create_if_missing = true;
  options.comparator = &comparator;
  options.write_buffer_size = size_t(512)
                              << 20; // everything stays in the memtable
  leveldb::DB *raw = nullptr;
  EXAMPLE_CHECK(leveldb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions wo;

  // A million keys written, then deleted: a million tombstones in front.
  const unsigned n = 1000000;
  for (unsigned base = 0; base < n; base += 50000) {
    leveldb::WriteBatch put, del;
    for (unsigned i = base; i < base + 50000; ++i) {
      put.Put(key(i), "value");
      del.Delete(key(i));
    }
    EXAMPLE_CHECK(db->Write(wo, &put).ok());
    EXAMPLE_CHECK(db->Write(wo, &del).ok());
  }
  EXAMPLE_CHECK(db->Put(wo, "zz-last", "survivor").ok());

  // 1. Interrupt the scan at its 100000th comparison.
  example::Handshake scan(100000);
  handshake = &scan;
  bool interrupted = example::interrupt_long_call(
      "leveldb Iterator::SeekToFirst over 1M tombstones", scan, [&] {
        std::unique_ptr<leveldb::Iterator> it(
            db->NewIterator(leveldb::ReadOptions()));
        it->SeekToFirst();
      });
  handshake = nullptr;
  EXAMPLE_CHECK(interrupted);
  {
    auto t0 = example::clock::now();
    std::unique_ptr<leveldb::Iterator> it(
        db->NewIterator(leveldb::ReadOptions()));
    it->SeekToFirst();
    EXAMPLE_CHECK(it->Valid() && it->key().ToString() == "zz-last");
    EXAMPLE_CHECK(it->status().ok());
    std::printf("leveldb: next scan finds the one live key in %.0f ms\n",
                example::ms_since(t0));
  }

  // 2. A long write batch, masked by the caller; the interrupt is sent at
  //    the 100000th comparison of the memtable insertion.
  leveldb::WriteBatch batch;
  for (unsigned i = 0; i < 300000; ++i)
    batch.Put(key(n + i), std::string(32, 'v'));
  bool written = false, after_poll = false;
  leveldb::Status status;
  example::Handshake write(100000);
  handshake = &write;
  interrupted = example::interrupt_long_call(
      "leveldb DB::Write(300000 entries) in a no_interrupts scope", write, [&] {
        {
          safepoint::no_interrupts whole_write;
          status = db->Write(wo, &batch);
          written = true;
        }
        safepoint::poll(); // the deferred interrupt is thrown here
        after_poll = true;
      });
  handshake = nullptr;
  EXAMPLE_CHECK(interrupted && written && !after_poll);
  EXAMPLE_CHECK(status.ok());
  std::string v;
  EXAMPLE_CHECK(db->Get(leveldb::ReadOptions(), key(n + 299999), &v).ok());
  std::printf("leveldb: the interrupt sent during a 300000-entry Write was "
              "deferred to its end; the whole batch is there\n");

  // The database keeps working, and closes cleanly.
  EXAMPLE_CHECK(db->Put(wo, "after", "ok").ok());
  EXAMPLE_CHECK(db->Get(leveldb::ReadOptions(), "after", &v).ok() && v == "ok");
  db.reset();
  leveldb::DestroyDB(path, leveldb::Options());
  std::puts("interrupt example: passed");
}
