-- cloudpact's language server in Neovim. Put this file on your runtimepath (for instance
-- ~/.config/nvim/lua/cloudpact.lua) and call `require("cloudpact").setup()` from init.lua.
-- Works from Neovim 0.7 (`vim.lsp.start_client` + `vim.lsp.buf_attach_client`); on 0.8 and
-- later the same is `vim.lsp.start`, shown in editors/README.md.
local M = {}

local patterns = {
  "*.tf", "*.tofu", "*.tfvars", "*.json", "*.yaml", "*.yml", "*.bicep", "*.toml", "*.ini",
  "*.cfg", "*.conf", "*.properties", ".env", ".env.*", "*.env", "*.pact",
}

-- The directory holding cloudpact.yaml above `path`, else the current directory.
local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    if vim.fn.filereadable(dir .. "/cloudpact.yaml") == 1 then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then break end
    dir = parent
  end
  return vim.fn.getcwd()
end

function M.setup(opts)
  opts = opts or {}
  local clients = {} -- one server per workspace root
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
    pattern = patterns,
    callback = function(args)
      local root = root_of(vim.api.nvim_buf_get_name(args.buf))
      if not clients[root] then
        clients[root] = vim.lsp.start_client({
          name = "cloudpact",
          cmd = opts.cmd or { "cloudpact", "lsp" },
          root_dir = root,
        })
      end
      vim.lsp.buf_attach_client(args.buf, clients[root])
    end,
  })
  -- Code lenses on rules and refusal records run `cloudpact.showReferences` (uri, position):
  -- the rule's deployments and findings, or what the record covers, in the quickfix list.
  vim.lsp.commands["cloudpact.showReferences"] = function(command, ctx)
    local uri, position = command.arguments[1], command.arguments[2]
    local params = {
      textDocument = { uri = uri },
      position = position,
      context = { includeDeclaration = false },
    }
    vim.lsp.buf_request(ctx.bufnr, "textDocument/references", params, function(err, result)
      if err or not result then return end
      vim.fn.setqflist({}, " ", {
        title = "cloudpact",
        items = vim.lsp.util.locations_to_items(result, "utf-16"),
      })
      vim.cmd("copen")
    end)
  end
  -- Lenses follow the analysis: refresh them when entering or saving a policy or record.
  vim.api.nvim_create_autocmd({ "BufEnter", "BufWritePost", "InsertLeave" }, {
    pattern = { "*.pact", "*.yaml", "*.yml" },
    callback = function() pcall(vim.lsp.codelens.refresh) end,
  })
  -- .pact files: use the C comment syntax and no filetype plugin.
  vim.cmd([[autocmd BufRead,BufNewFile *.pact setlocal filetype=pact commentstring=//\ %s]])
end

return M
