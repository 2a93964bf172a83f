import NatCtlCommands

await NatCtl.runMain()
