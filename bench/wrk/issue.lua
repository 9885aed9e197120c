-- POST a ticket per request, business types A-E in turn, each with a fresh Idempotency-Key.
-- Usage: wrk -s bench/wrk/issue.lua URL -- RUN_TAG   (the tag keeps keys unique across runs)
local counter = 0
local prefixes = { "A", "B", "C", "D", "E" }
local tag = "run"

function init(args)
  tag = (args[1] or "run") .. "-" .. tostring(math.random(1, 1000000000))
end

function request()
  counter = counter + 1
  local body = '{"business_type": "' .. prefixes[(counter % 5) + 1] .. '"}'
  local headers = { ["Content-Type"] = "application/json", ["Idempotency-Key"] = tag .. "-" .. counter }
  return wrk.format("POST", nil, headers, body)
end
