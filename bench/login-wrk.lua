-- login-wrk.lua — POST /api/v1/auth/login for bench/login.sh.
-- wrk ... -s login-wrk.lua URL -- MODE USERS_FILE
--   MODE good   cycle through the users with their correct passwords
--   MODE bad    wrong passwords against the real login IDs, unknown IDs
--               and an unknown tenant (a one-source guessing flood)
-- USERS_FILE holds "login password" lines. At the end prints one line
--   statuses: 200=N 401=N 423=N 429=N other=N
-- summed over wrk's threads, so a figure is never read off failed requests.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local reqs, n, i = {}, 0, 0
c200, c401, c423, c429, cother = 0, 0, 0, 0, 0

local function body(tenant, login, password)
  return string.format('{"tenant":"%s","login_id":"%s","password":"%s"}',
                       tenant, login, password)
end

function init(args)
  local mode, file = args[1], args[2]
  local users = {}
  for line in io.lines(file) do
    local login, pw = line:match("^(%S+)%s+(%S+)$")
    if login then table.insert(users, {login, pw}) end
  end
  local hdr = {["Content-Type"] = "application/json"}
  local function add(b)
    table.insert(reqs, wrk.format("POST", "/api/v1/auth/login", hdr, b))
  end
  if mode == "good" then
    for _, u in ipairs(users) do add(body("0001", u[1], u[2])) end
  else
    -- per real user: two wrong passwords; then unknown IDs and a tenant
    -- that does not exist, so the flood spreads over ~100 account keys
    for k, u in ipairs(users) do
      add(body("0001", u[1], "wrong-" .. k .. "-a"))
      add(body("0001", u[1], "Wr0ng pass " .. k))
    end
    for k = 1, 40 do add(body("0001", string.format("nobody%02d", k),
                              "guess-" .. k)) end
    for k = 1, 20 do add(body("9999", string.format("admin%02d", k),
                              "guess-" .. k)) end
  end
  n = #reqs
  -- threads start at different points of the cycle
  i = ((id or 1) - 1) * 7 % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

function response(status, headers, body)
  if status == 200 then c200 = c200 + 1
  elseif status == 401 then c401 = c401 + 1
  elseif status == 423 then c423 = c423 + 1
  elseif status == 429 then c429 = c429 + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local t = {c200 = 0, c401 = 0, c423 = 0, c429 = 0, cother = 0}
  for _, th in ipairs(threads) do
    for k in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  io.write(string.format("statuses: 200=%d 401=%d 423=%d 429=%d other=%d\n",
                         t.c200, t.c401, t.c423, t.c429, t.cother))
end
