console.log("remoteagent");
