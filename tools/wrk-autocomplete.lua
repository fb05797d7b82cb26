-- wrk script: the autocomplete keystroke against POST /v1/streams/{id}/append, as AutocompleteLoad
-- sends it (one character, top 5, 3 completions of 12 characters by a beam of 3).
-- Stream ids come one per line from the file $RNN_STREAM_IDS (tools/wrk-autocomplete.sh makes them);
-- each wrk thread takes every n-th id and its connections cycle through them, so with as many ids as
-- connections a request rarely finds its stream busy (a second request on one stream waits for it).
local text = "the quick brown fox jumps over the lazy dog. "
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  ids = {}
  local all = {}
  for line in io.lines(os.getenv("RNN_STREAM_IDS")) do
    table.insert(all, line)
  end
  for i, id in ipairs(all) do
    if (i - 1) % counter_total() == index then
      table.insert(ids, id)
    end
  end
  if #ids == 0 then
    error("wrk thread " .. index .. " has no stream id: give at least as many ids as threads in $RNN_STREAM_IDS")
  end
  next_id = 1
  next_char = (index * 7) % #text + 1
end

function counter_total()
  return tonumber(os.getenv("RNN_WRK_THREADS") or "1")
end

function request()
  if ids == nil then
    return wrk.format("GET", "/health/live")   -- wrk asks the main state once, before any thread's init
  end
  local id = ids[next_id]
  next_id = next_id % #ids + 1
  local c = text:sub(next_char, next_char)
  next_char = next_char % #text + 1
  local body = '{"text":"' .. c .. '","top":5,"completions":{"count":3,"length":12,"beam":3}}'
  return wrk.format("POST", "/v1/streams/" .. id .. "/append", {["Content-Type"] = "application/json"}, body)
end

errors = 0
function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
  end
  io.write(string.format("autocomplete: %d requests, %d not 200, %.1f requests/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
    summary.requests, failed, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3))
end
