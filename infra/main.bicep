// galleryflow on Azure: one `az deployment group create` into the app's resource group.
// See docs/deploy.md for the steps around it (code publish, DevOps, verification).
targetScope = 'resourceGroup'

@description('Azure region of the app resources. Defaults to the resource group region.')
param location string = resourceGroup().location

@description('Short name used in resource names (lowercase letters and digits).')
@minLength(2)
@maxLength(12)
param appName string = 'galleryflow'

@description('FC1 = Flex Consumption (default); EP1 = Elastic Premium.')
@allowed(['FC1', 'EP1'])
param planSku string = 'FC1'

@description('Subscription of the Azure Compute Gallery. Defaults to this deployment\'s.')
param gallerySubscriptionId string = subscription().subscriptionId

@description('Resource group of the Azure Compute Gallery.')
param galleryResourceGroupName string

@description('Name of the existing Azure Compute Gallery galleryflow publishes into.')
param galleryName string

@description('Subscription of the source VMs. Defaults to the gallery subscription.')
param sourceVmSubscriptionId string = gallerySubscriptionId

@description('Resource groups of the source VMs that galleryflow captures.')
@minLength(1)
param sourceVmResourceGroupNames array

@description('Mirror galleries (disaster recovery) publishes copy into: [{subscriptionId, resourceGroup}]. Another subscription is fine; the same role as the gallery\'s is granted there.')
param mirrorGalleryScopes array = []

@description('Put a CanNotDelete lock on the gallery. It blocks pruning too (see docs/deploy.md).')
param lockGallery bool = false

@description('Queue galleryflow posts run events to.')
param eventsQueueName string = 'galleryflow-events'

@description('NCRONTAB (6 fields, UTC) of the nightly rebuild.')
param nightlySchedule string = '0 0 2 * * *'

@description('Image pipelines file, relative to the app root (e.g. pipelines.yaml). Empty: none.')
param pipelinesFile string = ''

@description('Comma list of Azure DevOps host patterns galleryflow may call back to.')
param devopsAllowedHosts string = 'dev.azure.com,*.visualstudio.com'

@secure()
@description('Shared secret Azure DevOps service hooks send (stored in Key Vault only).')
@minLength(32)
param devopsHookSecret string

@description('When the service-hook secret expires (ISO 8601). Rotate it before then.')
param devopsHookSecretExpiry string = dateTimeAdd(utcNow(), 'P1Y')

@description('Storage redundancy of the host storage account.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param storageSku string = 'Standard_ZRS'

@description('Client id of the galleryflow Entra ID app registration (docs/deploy.md, Roles). Empty: Easy Auth off, every route takes the function key.')
param entraClientId string = ''

@description('Entra ID tenant of that app registration. Defaults to this deployment\'s tenant.')
param entraTenantId string = tenant().tenantId

@description('Roles of function-key callers (Azure DevOps), comma-separated. Empty: publisher,reader with Easy Auth, every role without.')
param keyRoles string = ''

@description('Who may not approve the runs they started: production runs (default), always, or off.')
@allowed(['production', 'always', 'off'])
param separationOfDuties string = 'production'

@description('Extra tags; merged into the tags every resource gets.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id, appName)
var baseName = '${appName}-${take(suffix, 6)}'
var allTags = union({ application: 'galleryflow', 'managed-by': 'bicep' }, tags)
var deploymentContainerName = 'app-package'
var hookSecretName = 'devops-hook-secret'

// Every resource group the identity works in, deduplicated (the gallery's group may also
// hold source VMs).
var galleryScope = {
  subscriptionId: gallerySubscriptionId
  resourceGroup: galleryResourceGroupName
}
var sourceScopes = [
  for rg in sourceVmResourceGroupNames: {
    subscriptionId: sourceVmSubscriptionId
    resourceGroup: rg
  }
]
// Mirror galleries get the same actions as the primary: the copy, its region PATCHes and
// prune run there (docs/pipeline.md "Mirror galleries"); the copy reads the primary version
// (versions/read, already granted on the gallery's group).
var mirrorScopes = [
  for m in mirrorGalleryScopes: {
    subscriptionId: m.subscriptionId
    resourceGroup: m.resourceGroup
  }
]
var mirrorSubscriptions = [for m in mirrorGalleryScopes: toLower(m.subscriptionId)]
var accessScopes = union([galleryScope], sourceScopes, mirrorScopes)
// Every subscription the identity works in: the subscription-scope reads and the status polls
// of long-running operations (e.g. a source VM's deallocate) happen in each. union() drops
// the duplicate when the source VMs live in the gallery's subscription.
var accessSubscriptions = union([toLower(gallerySubscriptionId)], [toLower(sourceVmSubscriptionId)], mirrorSubscriptions)

module identity 'modules/identity.bicep' = {
  name: 'galleryflow-identity'
  params: {
    name: 'id-${baseName}'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'galleryflow-monitoring'
  params: {
    baseName: baseName
    location: location
    tags: allTags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'galleryflow-storage'
  params: {
    name: toLower('st${take(replace(appName, '-', ''), 9)}${take(suffix, 13)}')
    location: location
    tags: allTags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    eventsQueueName: eventsQueueName
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'galleryflow-keyvault'
  params: {
    name: toLower('kv-${take(replace(appName, '-', ''), 6)}-${take(suffix, 13)}')
    location: location
    tags: allTags
    readerPrincipalId: identity.outputs.principalId
    hookSecretName: hookSecretName
    hookSecretValue: devopsHookSecret
    hookSecretExpiry: dateTimeToEpoch(devopsHookSecretExpiry)
  }
}

module role 'modules/role-definition.bicep' = {
  name: 'galleryflow-role'
  scope: subscription(gallerySubscriptionId)
  params: {
    roleName: 'galleryflow publisher ${resourceGroup().name} ${appName}'
    assignableScopes: [for s in accessScopes: '/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}']
    subscriptionAssignableScopes: [for s in accessSubscriptions: '/subscriptions/${s}']
  }
}

module access 'modules/rg-access.bicep' = [
  for (s, i) in accessScopes: {
    name: 'galleryflow-access-${i}'
    scope: resourceGroup(s.subscriptionId, s.resourceGroup)
    params: {
      roleDefinitionName: role.outputs.publisherRoleName
      principalId: identity.outputs.principalId
    }
  }
]

module subscriptionAccess 'modules/subscription-access.bicep' = [
  for (subscriptionId, i) in accessSubscriptions: {
    name: 'galleryflow-subscription-access-${i}'
    scope: subscription(subscriptionId)
    params: {
      roleDefinitionName: role.outputs.subscriptionReaderRoleName
      principalId: identity.outputs.principalId
    }
  }
]

module galleryLock 'modules/gallery-lock.bicep' = if (lockGallery) {
  name: 'galleryflow-gallery-lock'
  scope: resourceGroup(gallerySubscriptionId, galleryResourceGroupName)
  params: {
    galleryName: galleryName
  }
}

// The modules that consume storage, Key Vault and monitoring outputs deploy after them,
// role assignments included, so the host starts with its permissions in place.
// galleryflow's own settings (docs/CONTRACTS.md). No secret is inline: the hook secret is
// a Key Vault reference resolved by the platform with the app identity.
var coreSettings = [
  { name: 'AZURE_CLIENT_ID', value: identity.outputs.clientId }
  { name: 'GALLERYFLOW_SUBSCRIPTION_ID', value: gallerySubscriptionId }
  { name: 'GALLERYFLOW_EVENTS_QUEUE', value: eventsQueueName }
  { name: 'GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI', value: storage.outputs.queueEndpoint }
  { name: 'GALLERYFLOW_NIGHTLY_SCHEDULE', value: nightlySchedule }
  { name: 'GALLERYFLOW_DEVOPS_ALLOWED_HOSTS', value: devopsAllowedHosts }
  { name: 'GALLERYFLOW_DEVOPS_HOOK_SECRET', value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.hookSecretUri})' }
]
// Easy Auth and the setting that makes galleryflow trust its principal header come from the
// same parameter: the header is only trustworthy when the platform sets it.
var identitySettings = [
  { name: 'GALLERYFLOW_EASY_AUTH', value: empty(entraClientId) ? 'false' : 'true' }
  { name: 'GALLERYFLOW_SEPARATION_OF_DUTIES', value: separationOfDuties }
]
var keyRolesSettings = [
  { name: 'GALLERYFLOW_KEY_ROLES', value: keyRoles }
]
var pipelinesSettings = [
  { name: 'GALLERYFLOW_PIPELINES_FILE', value: pipelinesFile }
]
var optionalSettings = concat(empty(keyRoles) ? [] : keyRolesSettings, empty(pipelinesFile) ? [] : pipelinesSettings)
var galleryflowSettings = concat(coreSettings, identitySettings, optionalSettings)

module functionApp 'modules/functionapp.bicep' = {
  name: 'galleryflow-app'
  params: {
    name: 'func-${baseName}'
    location: location
    tags: allTags
    planSku: planSku
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storage: {
      blobEndpoint: storage.outputs.blobEndpoint
      queueEndpoint: storage.outputs.queueEndpoint
      tableEndpoint: storage.outputs.tableEndpoint
      deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    }
    appInsightsConnectionString: monitoring.outputs.connectionString
    galleryflowSettings: galleryflowSettings
  }
}

module easyAuth 'modules/easyauth.bicep' = if (!empty(entraClientId)) {
  name: 'galleryflow-easyauth'
  params: {
    appName: functionApp.outputs.name
    clientId: entraClientId
    tenantId: entraTenantId
    excludedPaths: [
      '/api/health'
      '/api/devops/task'
      '/api/devops/hook'
    ]
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output easyAuthEnabled bool = !empty(entraClientId)
output healthUrl string = 'https://${functionApp.outputs.defaultHostName}/api/health'
output identityClientId string = identity.outputs.clientId
output identityPrincipalId string = identity.outputs.principalId
output storageAccountName string = storage.outputs.name
output deploymentContainerUrl string = storage.outputs.deploymentContainerUrl
output keyVaultName string = keyVault.outputs.name
output publisherRoleId string = role.outputs.publisherRoleId
output subscriptionReaderRoleId string = role.outputs.subscriptionReaderRoleId
