-- paced.lua — make wrk send at a fixed total rate instead of flat out.
-- wrk calls delay() before each request on each connection; with C
-- connections and a target of R requests/s, each connection waits C/R s.
-- Set RATE and CONNS in the environment (wrk passes no arguments here).
-- wrk rounds the delay down to whole milliseconds: keep RATE/CONNS <= 1000.
local rate = tonumber(os.getenv("RATE") or "1000")
local conns = tonumber(os.getenv("CONNS") or "16")
local gap_ms = 1000 * conns / rate

function delay()
  return gap_ms
end
