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
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
