// keystead pages: copy buttons, one-time submits, notices, Sign-In with Ethereum.
// Everything else works without script.
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
    // Emptied first, so copying twice is announced twice.
    if (status) status.textContent = "";
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

  // A form that creates something is sent once, however often its button is clicked.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.hasAttribute("data-submit-once")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });

  // What a failed form must fix, or else the notice from the last action, gets focus,
  // so it is read first and the page scrolls to it.
  const summary = document.getElementById("error-summary");
  const notice = document.getElementById("notice");
  if (summary) summary.focus();
  else if (notice) notice.focus();

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
    if (error && error.code === -32002) {
      return "Your wallet already has a request waiting: finish or dismiss it there, then try again.";
    }
    if (error && error.message) return error.message;
    return "Wallet sign-in failed. Try again.";
  }

  // Wallets announce themselves (EIP-6963) as well as, or instead of, window.ethereum.
  const announced = [];
  window.addEventListener("eip6963:announceProvider", function (event) {
    if (event.detail && event.detail.provider) announced.push(event.detail.provider);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));

  function provider() {
    const injected = window.ethereum;
    if (injected && typeof injected.request === "function") return injected;
    return announced.find((candidate) => typeof candidate.request === "function") || null;
  }

  async function signIn(button, status) {
    const ethereum = provider();
    status.classList.remove("error");
    if (!ethereum) {
      status.textContent =
        "No Ethereum wallet was found in this browser. Install a wallet extension " +
        "(such as MetaMask) and reload this page, or sign in with email. If one is " +
        "installed, allow it on this site.";
      status.classList.add("error");
      return;
    }
    button.setAttribute("aria-disabled", "true");
    button.dataset.busy = "yes";
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
      status.textContent = "Signed in.";
      window.location.assign(button.dataset.next || "/wallet");
    } catch (error) {
      status.textContent = explain(error);
      status.classList.add("error");
      button.removeAttribute("aria-disabled");
      delete button.dataset.busy;
    }
  }

  const walletButton = document.getElementById("wallet-sign-in");
  const walletStatus = document.getElementById("wallet-status");
  if (walletButton && walletStatus) {
    walletButton.addEventListener("click", function () {
      // aria-disabled rather than disabled: the button keeps keyboard focus meanwhile.
      if (!walletButton.dataset.busy) signIn(walletButton, walletStatus);
    });
  }
})();
