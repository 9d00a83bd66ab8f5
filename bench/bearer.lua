-- wrk: GET with "Authorization: Bearer <token>", rotating over the tokens
-- in the file given after "--" (one per line).
local tokens, i = {}, 0

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
end

function request()
  i = i % #tokens + 1
  return wrk.format(nil, nil, { Authorization = "Bearer " .. tokens[i] })
end
