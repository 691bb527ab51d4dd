-- Drives cloudpact's language server from a real Neovim, headless:
--   nvim --headless --clean -u NONE -c "luafile tests/editors/nvim_lsp_test.lua"
-- Works on Neovim 0.7 (Debian bookworm): `vim.lsp.start_client` + `vim.lsp.buf_attach_client`,
-- not 0.8's `vim.lsp.start`.
--
-- Environment: CLOUDPACT_BIN (the binary), CLOUDPACT_ROOT (the workspace), CLOUDPACT_FILES
-- (comma-separated paths relative to the root, each expected to get diagnostics),
-- CLOUDPACT_OUT (the report). The report has one line per diagnostic,
--   DIAG <path> <line> <col> <severity> <code> <first line of the message>
-- (tab-separated; line and col 0-based, col in bytes as Neovim stores it), then
--   HOVER <path> <text, newlines as \n>   when CLOUDPACT_HOVER=line,col (0-based, on each file),
--   COMPLETE <path> <labels, comma-separated>   when CLOUDPACT_COMPLETE=path:line,col,
--   DEFINITION <path> <target path> <target line>   when CLOUDPACT_DEFINITION=path:line,col,
--   LENS <path> <line> <title>   for each code lens when CLOUDPACT_LENS=path,
--   (these are asked after the files above got their diagnostics, i.e. after the scan, and
--   asked again for up to 20 s while the answer is empty)
--   EXIT <code>   when the server ended after shutdown/exit,
--   DONE
-- or `ERROR <message>` when something went wrong.

local out_path = os.getenv("CLOUDPACT_OUT")
local report = {}

local function write_report()
  local f = assert(io.open(out_path, "w"))
  f:write(table.concat(report, "\n"), "\n")
  f:close()
end

local function run()
  local bin = assert(os.getenv("CLOUDPACT_BIN"), "CLOUDPACT_BIN is not set")
  local root = assert(os.getenv("CLOUDPACT_ROOT"), "CLOUDPACT_ROOT is not set")
  local files = vim.split(assert(os.getenv("CLOUDPACT_FILES")), ",", { plain = true })

  local exit_code = nil
  local client_id = vim.lsp.start_client({
    name = "cloudpact",
    cmd = { bin, "lsp", "--as-of", "2026-01-01" },
    root_dir = root,
    init_options = { debounceMs = 50 },
    on_exit = function(code) exit_code = code end,
  })
  assert(client_id, "the client did not start")

  for _, rel in ipairs(files) do
    vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. rel))
    local bufnr = vim.api.nvim_get_current_buf()
    vim.lsp.buf_attach_client(bufnr, client_id)
    local ok = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
    if not ok then
      table.insert(report, "ERROR no diagnostics for " .. rel)
    end
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      local lsp = (d.user_data and d.user_data.lsp) or {}
      local code = d.code or lsp.code or ""
      local first = vim.split(d.message, "\n", { plain = true })[1]
      table.insert(report, table.concat(
        { "DIAG", rel, d.lnum, d.col, d.severity, tostring(code), first }, "\t"))
    end
    local hover_at = os.getenv("CLOUDPACT_HOVER")
    if hover_at and hover_at ~= "" then
      local pos = vim.split(hover_at, ",", { plain = true })
      local params = {
        textDocument = { uri = vim.uri_from_bufnr(bufnr) },
        position = { line = tonumber(pos[1]), character = tonumber(pos[2]) },
      }
      local replies = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 10000) or {}
      for _, reply in pairs(replies) do
        local contents = reply.result and reply.result.contents
        local text = (type(contents) == "table" and contents.value) or tostring(contents)
        table.insert(report, "HOVER\t" .. rel .. "\t" .. text:gsub("\n", "\\n"))
      end
    end
  end

  -- Opens `rel` (relative to the root) attached to the client; its buffer number.
  local function buffer(rel)
    vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. rel))
    local bufnr = vim.api.nvim_get_current_buf()
    vim.lsp.buf_attach_client(bufnr, client_id)
    return bufnr
  end
  -- `path:line,col` → path, line, col.
  local function target(spec)
    local path, line, col = spec:match("^(.*):(%d+),(%d+)$")
    return path, tonumber(line), tonumber(col)
  end
  -- The first non-empty result of `method`, asked until one comes (or 20 s pass).
  local function ask(bufnr, method, params)
    local result = nil
    vim.wait(20000, function()
      local replies = vim.lsp.buf_request_sync(bufnr, method, params, 10000) or {}
      for _, reply in pairs(replies) do
        local r = reply.result
        if r and not vim.tbl_isempty(r) then result = r end
      end
      return result ~= nil
    end, 200)
    return result
  end

  -- `method` at `path:line,col`: the path and the first non-empty result.
  local function ask_at(spec, method)
    local rel, line, col = target(spec)
    local bufnr = buffer(rel)
    return rel, ask(bufnr, method, {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      position = { line = line, character = col },
    }) or {}
  end

  local complete_at = os.getenv("CLOUDPACT_COMPLETE")
  if complete_at and complete_at ~= "" then
    local rel, r = ask_at(complete_at, "textDocument/completion")
    local labels = {}
    for _, item in ipairs(r.items or r) do table.insert(labels, item.label) end
    table.insert(report, "COMPLETE\t" .. rel .. "\t" .. table.concat(labels, ","))
  end

  local definition_at = os.getenv("CLOUDPACT_DEFINITION")
  if definition_at and definition_at ~= "" then
    local rel, r = ask_at(definition_at, "textDocument/definition")
    local loc = r.uri and r or r[1] or {}
    local path = loc.uri and vim.uri_to_fname(loc.uri) or ""
    local at = loc.range and loc.range.start.line or -1
    table.insert(report, "DEFINITION\t" .. rel .. "\t" .. path .. "\t" .. at)
  end

  local lens_in = os.getenv("CLOUDPACT_LENS")
  if lens_in and lens_in ~= "" then
    local bufnr = buffer(lens_in)
    local r = ask(bufnr, "textDocument/codeLens", {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    }) or {}
    for _, lens in ipairs(r) do
      local title = lens.command and lens.command.title or ""
      table.insert(report, "LENS\t" .. lens_in .. "\t" .. lens.range.start.line .. "\t" .. title)
    end
  end

  vim.lsp.stop_client(client_id)
  vim.wait(10000, function() return exit_code ~= nil end, 50)
  table.insert(report, "EXIT " .. tostring(exit_code))
  table.insert(report, "DONE")
end

local ok, err = pcall(run)
if not ok then
  table.insert(report, "ERROR " .. tostring(err))
end
write_report()
vim.cmd("qall!")
