-- wrk: POST bodies built from a template with %s replaced by the next
-- line of a file (each line used once, then the file starts again).
-- args: FILE TEMPLATE [AUTHORIZATION] [COOKIE]
local lines, i, template, auth, cookie = {}, 0

function init(args)
  if args[1] ~= "-" then
    for line in io.lines(args[1]) do lines[#lines + 1] = line end
  end
  template, auth, cookie = args[2], args[3], args[4]
end

function request()
  local body = template
  if #lines > 0 then
    i = i % #lines + 1
    body = string.gsub(template, "%%s", lines[i])
  end
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if auth and auth ~= "" then headers["Authorization"] = auth end
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("POST", nil, headers, body)
end
