targetScope = 'resourceGroup'

@description('Where everything goes.')
@allowed([
  'westeurope'
  'swedencentral'
])
param location string = 'West Europe'
param rgLocation string = resourceGroup().location
param vmSize string = 'Standard_NC24ads_A100_v4'
param names array = [
  'a'
  'b'
]
var secondary = 'swedencentral'
var commonTags = {
  team: 'data'
  'cost-center': '42'
  owner: owner
}

/* a block comment with resource x 'Microsoft.Fake/things@1' = {} inside */
// resource y 'Microsoft.Fake/commented@1' = {}

resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'st${uniqueString(resourceGroup().id)}'
  location: location
  tags: commonTags
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    description: '''
      resource fake 'Microsoft.Fake/inString@1' = {
    '''
  }

  resource blob 'blobServices@2023-01-01' = {
    name: 'default'

    resource container 'containers@2023-01-01' = [for n in names: {
      name: n
    }]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = if (deployVm) {
  name: 'gpu-vm'
  location: rgLocation
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
  }
}

resource nics 'Microsoft.Network/networkInterfaces@2023-04-01' = [for (n, i) in names: if (i > 0) {
  name: 'nic-${n}'
  location: secondary
}]

resource kv 'Microsoft.KeyVault/vaults@2023-02-01' existing = {
  name: 'shared-kv'

  resource secret 'secrets@2023-02-01' = {
    name: 'token'
  }
}

resource oneLine 'Microsoft.Network/dnsZones@2018-05-01' = { name: 'example.org', location: 'global' }

module m './mod.bicep' = {
  name: 'm'
  params: { location: location }
}

output id string = sa.id
