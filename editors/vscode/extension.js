// Starts `cloudpact lsp` for the infrastructure files cloudpact reads, its policies, refusal
// records and cloudpact.yaml. All the work is in the server; this only wires it to VS Code.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

// Every file name cloudpact scans (DETECTION.md), whatever language extension claims it.
const FILES = [
  "**/*.{tf,tofu,tfvars,json,yaml,yml,bicep,toml,ini,cfg,conf,properties,env,pact}",
  "**/.env",
  "**/.env.*",
];

function activate(context) {
  const config = vscode.workspace.getConfiguration("cloudpact");
  const command = config.get("path") || "cloudpact";
  const args = ["lsp"];
  const asOf = config.get("asOf");
  if (asOf) {
    args.push("--as-of", asOf);
  }
  // TransportKind.stdio adds `--stdio`, which `cloudpact lsp` accepts.
  const run = { command, args, transport: TransportKind.stdio };
  const serverOptions = { run, debug: run };
  const clientOptions = {
    documentSelector: FILES.map((pattern) => ({ scheme: "file", pattern })),
    outputChannelName: "cloudpact",
  };
  client = new LanguageClient("cloudpact", "cloudpact", serverOptions, clientOptions);
  context.subscriptions.push(client);
  // A code lens's command (editors/README.md): the deployments and findings of a rule, or
  // what a refusal record covers, are `textDocument/references` at the lens's position;
  // VS Code shows them in its peek view.
  context.subscriptions.push(
    vscode.commands.registerCommand("cloudpact.showReferences", async (uri, position) => {
      const target = vscode.Uri.parse(uri);
      const at = new vscode.Position(position.line, position.character);
      const locations = await vscode.commands.executeCommand(
        "vscode.executeReferenceProvider",
        target,
        at,
      );
      await vscode.commands.executeCommand("editor.action.showReferences", target, at, locations || []);
    }),
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
