-- bench/lua-dispatch.sh's workload: deterministic (no table.sort, whose
-- pivot is randomized), every opcode family a bit. SCALE=n on the command
-- line (arg[1]) multiplies the work.
local scale = tonumber(arg and arg[1]) or 1
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local s = 0
for i = 1, 300000 * scale do s = (s + i * i) % 1000003 end
local t = {}
for i = 1, 20000 do t[i] = i * 3 % 1001 end
local m = 0
for _ = 1, 20 * scale do for i = 1, #t do if t[i] > m then m = t[i] end end end
local parts = {}
for i = 1, 5000 do parts[#parts + 1] = string.format("%d:%d", i, t[i]) end
print(fib(24 + (scale > 1 and 6 or 0)), s, m, #table.concat(parts, ","))
