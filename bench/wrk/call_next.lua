-- POST call-next spread over desks 1..N in turn, each desk with its own Authorization header.
-- Usage: wrk -s bench/wrk/call_next.lua URL -- PATH_TEMPLATE [TOKEN1 TOKEN2 ...]
--   PATH_TEMPLATE contains {desk}; with tokens, desk i sends "Authorization: Bearer TOKENi"
--   and the desks are 1..#tokens; without tokens, desks 1..4 send none.
-- Counts claims (an answer with a ticket called), empties (409, or 200 with "ticket": null) and
-- numbers answered more than once (double calls), printed by done() as
-- "claims N empty M twice K" for the bench to read.
local counter = 0
local template = "/"
local tokens = {}
local desks = 4
claims = 0
empty = 0
twice = 0
local seen = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  template = args[1]
  for i = 2, #args do
    tokens[i - 1] = args[i]
  end
  if #tokens > 0 then
    desks = #tokens
  end
end

function request()
  local desk = (counter % desks) + 1
  counter = counter + 1
  local headers = {}
  if tokens[desk] then
    headers["Authorization"] = "Bearer " .. tokens[desk]
  end
  return wrk.format("POST", (template:gsub("{desk}", tostring(desk))), headers, nil)
end

function response(status, headers, body)
  if status == 409 or (status == 200 and body:find('"ticket": *null')) then
    empty = empty + 1
  elseif status == 200 then
    claims = claims + 1
    local number = body:match('"number": *"([^"]+)"')
    if number then
      if seen[number] then
        twice = twice + 1
      end
      seen[number] = true
    end
  end
end

function done(summary, latency, requests)
  local c, e, d = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("claims")
    e = e + t:get("empty")
    d = d + t:get("twice")
  end
  io.write(string.format("claims %d empty %d twice %d\n", c, e, d))
end
