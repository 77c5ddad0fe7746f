// keystead pages: copy buttons and Sign-In with Ethereum. Everything else works without script.
"use strict";

(function () {
  function statusAfter(button) {
    const next = button.nextElementSibling;
    return next && next.classList.contains("copied") ? next : null;
  }

  async function copy(button) {
    const source = document.getElementById(button.dataset.copy);
    const status = statusAfter(button);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      if (status) status.textContent = "Copied";
    } catch (_) {
      // No clipboard access: select the text so the keyboard shortcut copies it.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy";
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (button) copy(button);
  });

  // --- Sign-In with Ethereum through an injected EIP-1193 provider -------------------

  function toHex(text) {
    const bytes = new TextEncoder().encode(text);
    return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok || !body || !body.success) {
      throw new Error((body && body.message) || "The server answered " + response.status + ".");
    }
    return body.data;
  }

  function explain(error) {
    if (error && error.code === 4001) return "You declined the request in your wallet. Nothing was signed.";
    if (error && error.message) return error.message;
    return "Wallet sign-in failed. Try again.";
  }

  async function signIn(button, status) {
    const ethereum = window.ethereum;
    status.classList.remove("error");
    if (!ethereum || typeof ethereum.request !== "function") {
      status.textContent =
        "No Ethereum wallet was found in this browser. Install a wallet extension " +
        "(such as MetaMask) and reload this page, or sign in with email.";
      status.classList.add("error");
      return;
    }
    button.disabled = true;
    try {
      status.textContent = "Asking your wallet for your address…";
      const accounts = await ethereum.request({ method: "eth_requestAccounts" });
      const address = accounts && accounts[0];
      if (!address) throw new Error("Your wallet did not share an address.");
      const challenge = await call("/auth/wallet/challenge?address=" + encodeURIComponent(address));
      status.textContent = "Sign the message in your wallet…";
      const signature = await ethereum.request({
        method: "personal_sign",
        params: [toHex(challenge.message), address],
      });
      await call("/auth/wallet/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: challenge.message, signature: signature }),
      });
      status.textContent = "Signed in. Opening your account key…";
      window.location.assign("/wallet");
    } catch (error) {
      status.textContent = explain(error);
      status.classList.add("error");
      button.disabled = false;
    }
  }

  const walletButton = document.getElementById("wallet-sign-in");
  const walletStatus = document.getElementById("wallet-status");
  if (walletButton && walletStatus) {
    walletButton.addEventListener("click", function () {
      signIn(walletButton, walletStatus);
    });
  }
})();
