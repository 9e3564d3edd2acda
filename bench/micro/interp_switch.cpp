// A bytecode interpreter: a dispatch loop over a switch, running a small
// program with its own loops (the classic "one back-edge per instruction").
#include "interp_program.hpp"

using namespace interp;

__attribute__((noinline)) static std::int64_t interpret(const std::vector<insn> &code) {
  std::int64_t stack[64];
  std::int64_t regs[8] = {};
  int sp = 0;
  std::size_t pc = 0;
  for (;;) {
    const insn &i = code[pc++];
    switch (i.code) {
    case PUSH: stack[sp++] = i.arg; break;
    case LOAD: stack[sp++] = regs[i.arg]; break;
    case STORE: regs[i.arg] = stack[--sp]; break;
    case ADD: --sp; stack[sp - 1] += stack[sp]; break;
    case SUB: --sp; stack[sp - 1] -= stack[sp]; break;
    case MUL: --sp; stack[sp - 1] *= stack[sp]; break;
    case MOD: --sp; stack[sp - 1] %= stack[sp]; break;
    case JNZ: if (stack[--sp]) pc = static_cast<std::size_t>(i.arg); break;
    case JMP: pc = static_cast<std::size_t>(i.arg); break;
    case DUP: stack[sp] = stack[sp - 1]; ++sp; break;
    case POP: --sp; break;
    case HALT: return stack[sp - 1];
    }
  }
}

static std::uint64_t run() { return static_cast<std::uint64_t>(interpret(prog)); }

BENCH_KERNEL("interp_switch", setup, run)
