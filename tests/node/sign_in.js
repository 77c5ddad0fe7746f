// Signs in the way a web3 frontend does: fetch a challenge, personal_sign it with a
// wallet, post it. Prints {"address", "signature"} for the account-key snippets.
const fetch = require('node-fetch');
const { Wallet } = require('ethers');

const BASE_URL = process.env.KEYSTEAD_BASE_URL;
const wallet = process.env.WALLET_PRIVATE_KEY
  ? new Wallet(process.env.WALLET_PRIVATE_KEY)
  : Wallet.createRandom();

const signIn = async () => {
  const challenge = await fetch(`${BASE_URL}auth/wallet/challenge?address=${wallet.address}`);
  const { data } = await challenge.json();
  const signature = await wallet.signMessage(data.message);
  const login = await fetch(`${BASE_URL}auth/wallet/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: data.message, signature }),
  });
  if (!login.ok) {
    throw new Error(`login failed: ${login.status} ${await login.text()}`);
  }
  console.log(JSON.stringify({ address: wallet.address, signature }));
};

signIn().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
