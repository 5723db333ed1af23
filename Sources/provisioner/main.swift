import ProvisionerCLI

await ProvisionerCommand.runFromCommandLine()
