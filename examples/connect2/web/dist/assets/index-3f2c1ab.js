document.getElementById("root").textContent = "Connect 2.0";
