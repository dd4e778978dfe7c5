// The Wave extension: the TextMate grammar (package.json) and the wavec language server, started with the
// command of the `wave.server.command` setting over standard input and output.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverCommand() {
  const setting = vscode.workspace.getConfiguration("wave").get("server.command", ["wavec", "lsp"]);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const expand = (part) => (folder ? part.split("${workspaceFolder}").join(folder.uri.fsPath) : part);
  const command = (Array.isArray(setting) && setting.length ? setting : ["wavec", "lsp"]).map(expand);
  return { command: command[0], args: command.slice(1), options: folder ? { cwd: folder.uri.fsPath } : {} };
}

async function start() {
  if (!vscode.workspace.getConfiguration("wave").get("server.enabled", true)) {
    return;
  }
  const server = serverCommand();
  client = new LanguageClient("wavec", "wavec lsp", server, {
    documentSelector: [{ scheme: "file", language: "wave" }, { scheme: "untitled", language: "wave" }],
  });
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    vscode.window.showErrorMessage(
      `Wave: could not start \`${[server.command, ...server.args].join(" ")}\` (${err.message || err}). ` +
        "Install it with `pip install 'wavec[lsp]'`, or set `wave.server.command`."
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("wave.server.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("wave.server")) {
        await stop();
        await start();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
