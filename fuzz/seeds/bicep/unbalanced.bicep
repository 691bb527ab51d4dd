resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'x'
  properties: {
    a: [1, 2}
  }
}
