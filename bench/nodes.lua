-- wrk script for bench/nodes: every request creates a new organisation with
-- a valid unified social credit code (GB 32100 check digit). Codes are
-- 91 35 PP NNNNNNNNNNN C, PP from BENCH_USCC_PREFIX so that concurrent wrk
-- processes never collide.
local alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local weights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
local prefix = tonumber(os.getenv("BENCH_USCC_PREFIX") or "10")
local n = 0

local function uscc(k)
  local body = string.format("9135%02d%011d", prefix % 100, k)
  local sum = 0
  for i = 1, 17 do
    local c = body:sub(i, i)
    sum = sum + (alphabet:find(c, 1, true) - 1) * weights[i]
  end
  local check = (31 - sum % 31) % 31
  return body .. alphabet:sub(check + 1, check + 1)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  n = n + 1
  local body = string.format('{"name":"压测机构%d-%d","uscc":"%s","legal_rep":"压测"}',
                             prefix, n, uscc(n))
  return wrk.format(nil, "/api/orgs", nil, body)
end
