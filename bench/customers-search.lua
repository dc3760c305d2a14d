-- customers-search.lua — GET /api/v1/customers?q=… for bench/customers.sh.
-- wrk ... -s customers-search.lua URL -- QUERIES_FILE COOKIE
--   QUERIES_FILE  one URL-encoded query per line, sent in turn
--   COOKIE        "pl_session=…" of a signed-in office user
-- At the end prints "hits per query: X", the mean number of customers in
-- the answers (counted by their "number" keys) over wrk's threads.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local reqs, n, i = {}, 0, 0
hits, answers = 0, 0

function init(args)
  local hdr = {["Cookie"] = args[2]}
  for q in io.lines(args[1]) do
    table.insert(reqs, wrk.format("GET", "/api/v1/customers?limit=50&q=" .. q,
                                  hdr))
  end
  n = #reqs
  i = ((id or 1) - 1) * 7 % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

function response(status, headers, body)
  answers = answers + 1
  for _ in body:gmatch('"number":') do hits = hits + 1 end
end

function done(summary, latency, requests)
  local h, a = 0, 0
  for _, t in ipairs(threads) do
    h = h + t:get("hits")
    a = a + t:get("answers")
  end
  io.write(string.format("hits per query: %.1f\n", a > 0 and h / a or 0))
end
