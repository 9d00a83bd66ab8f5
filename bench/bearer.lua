-- wrk: GET with "Authorization: Bearer <token>", rotating over the tokens
-- in the file given after "--" (one per line). The requests are formatted
-- once, in init, so that wrk spends as little CPU per request as it does
-- for a fixed request: on two cores it shares the machine with nginx.
local requests, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] =
      wrk.format(nil, nil, { Authorization = "Bearer " .. line })
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end
