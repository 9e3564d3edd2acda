-- bench/lua-dispatch.sh checks that every build prints the same: errors
-- through pcall (C++ exceptions through the interpreter), coroutines,
-- metamethods, goto, string library.
local n = 0
for i = 1, 10000 do
  local ok, e = pcall(function(x) if x % 3 == 0 then error("boom" .. x) end return x * 2 end, i)
  if not ok then n = n + #e else n = n + e end
end
local co = coroutine.wrap(function(a) for i = 1, 1000 do a = a + coroutine.yield(a * i) end return a end)
local acc = co(1)
for i = 1, 999 do acc = acc + co(i) % 7 end
local t = setmetatable({}, {__index = function(t, k) return k * 2 end, __add = function(a, b) return 42 end})
local s = 0
for i = 1, 1000 do s = s + t[i] + (t + t) end
local ok, msg = pcall(function() local x = nil; return x.y end)
print(n, acc, s, ok, msg)
local str = {}
for w in string.gmatch(("the quick brown fox "):rep(200), "%a+") do str[#str+1] = w:upper() end
print(#str, str[1], select('#', table.unpack(str, 1, 100)))
goto skip
print("not here")
::skip::
for i = 10, 1, -3 do io.write(i, " ") end print()
print(string.format("%5.2f %s %q", math.pi, tostring(nil), "a\nb"))
