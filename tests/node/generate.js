// The "Generate API Key" snippet from the account-key documentation, unchanged but
// for where BASE_URL and the signature come from.
const fetch = require('node-fetch');

const BASE_URL = process.env.KEYSTEAD_BASE_URL;
const signature = process.env.WALLET_SIGNATURE;

const generateAPIKey = async () => {
  try {
    const response = await fetch(`${BASE_URL}user/api/generate`, {
      method: 'PUT',
      headers: {
        'Authorization': `Bearer ${signature}`
      }
    });
    const data = await response.json();

    console.log(data.result);
  } catch (error) {
    console.error('Error generating API key:', error);
  }
};

generateAPIKey();
