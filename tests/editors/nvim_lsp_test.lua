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
