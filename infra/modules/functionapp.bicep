// The Function App and its plan: Flex Consumption (FC1, default) or Elastic Premium (EP1),
// Python 3.11 on Linux, running as the user-assigned identity with identity-based storage.
@description('Function App name (globally unique host name).')
param name string

param location string
param tags object

@description('FC1 = Flex Consumption (default); EP1 = Elastic Premium (always-warm instances).')
@allowed(['FC1', 'EP1'])
param planSku string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Host storage endpoints: blobEndpoint, queueEndpoint, tableEndpoint, deploymentContainerUrl.')
param storage object

@description('Application Insights connection string (not a secret: local auth is disabled).')
param appInsightsConnectionString string

@description('galleryflow settings (docs/CONTRACTS.md) as [{name, value}], appended to the app settings.')
param galleryflowSettings array

@description('Flex Consumption: most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Elastic Premium: most workers the plan scales out to.')
@minValue(1)
@maxValue(100)
param maximumElasticWorkerCount int = 10

var isFlex = planSku == 'FC1'
var flexSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}
var premiumSku = {
  name: 'EP1'
  tier: 'ElasticPremium'
  family: 'EP'
}
var pythonVersion = '3.11'
// Elastic Premium runs the zip that docs/deploy.md uploads here (no Azure Files share: the
// content share would need a storage key, and shared keys are disabled).
var packageUrl = '${storage.deploymentContainerUrl}/galleryflow.zip'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexSku : premiumSku
  properties: {
    // checkov:skip=CKV_AZURE_225:Zone redundancy is off by default (on Elastic Premium it needs always-on extra instances); Durable orchestrations resume from storage after an instance loss.
    reserved: true // Linux
    maximumElasticWorkerCount: isFlex ? null : maximumElasticWorkerCount
  }
}

// App settings as name/value lists so they live in siteConfig (one resource, one PUT).
var hostStorageSettings = [
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.blobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.queueEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.tableEndpoint }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
]

// Flex Consumption takes runtime and version from functionAppConfig and rejects these.
var premiumPlanSettings = [
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'python' }
  { name: 'WEBSITE_RUN_FROM_PACKAGE', value: packageUrl }
  { name: 'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID', value: identityId }
]

var flexAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: storage.deploymentContainerUrl
      authentication: {
        type: 'UserAssignedIdentity'
        userAssignedIdentityResourceId: identityId
      }
    }
  }
  scaleAndConcurrency: {
    instanceMemoryMB: 2048
    maximumInstanceCount: maximumInstanceCount
  }
  runtime: {
    name: 'python'
    version: pythonVersion
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // checkov:skip=CKV_AZURE_17:Azure DevOps agentless tasks and service hooks cannot present client certificates; callers authenticate with function keys and the hook secret.
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    // checkov:skip=CKV_AZURE_222:Azure DevOps (agentless AzureFunction task, service hooks) calls in from its public service IPs; every route needs a function key over HTTPS.
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      linuxFxVersion: isFlex ? null : 'Python|${pythonVersion}'
      // Platform health check exists on Elastic Premium only; /api/health is anonymous.
      healthCheckPath: isFlex ? null : '/api/health'
      appSettings: concat(hostStorageSettings, isFlex ? [] : premiumPlanSettings, galleryflowSettings)
      // checkov:skip=CKV_AZURE_212:Instance count is elastic (Flex Consumption / Elastic Premium scale out on demand); numberOfWorkers applies to dedicated plans.
    }
    functionAppConfig: isFlex ? flexAppConfig : null
  }
}

// Deployments authenticate with Microsoft Entra ID, never with publishing passwords.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
