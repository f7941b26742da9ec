// Key Vault (RBAC authorization, purge protection) holding the Azure DevOps service-hook
// secret. The app reads it through a Key Vault reference as Key Vault Secrets User on that
// one secret, so the value never appears in app settings or in the template.
@description('Key Vault name (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object

@description('Principal id of the app identity that reads the secret.')
param readerPrincipalId string

@description('Name of the secret holding the Azure DevOps service-hook shared secret.')
param hookSecretName string

@secure()
@description('Value of the Azure DevOps service-hook shared secret.')
param hookSecretValue string

@description('Expiry of the secret as seconds since the Unix epoch; rotate before it.')
param hookSecretExpiry int

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enablePurgeProtection: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // checkov:skip=CKV_AZURE_189:Key Vault references are resolved over the app's public outbound network (no VNet integration in this template); access is RBAC-only, one secret, one reader.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // checkov:skip=CKV_AZURE_109:A firewall default deny would block Key Vault reference resolution from the Function App, whose outbound IPs are not fixed.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource hookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: hookSecretName
  tags: tags
  properties: {
    value: hookSecretValue
    contentType: 'text/plain'
    attributes: {
      enabled: true
      exp: hookSecretExpiry
    }
  }
}

resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hookSecret.id, readerPrincipalId, keyVaultSecretsUserRoleId)
  scope: hookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
// Versionless URI: the app picks up a rotated secret without a redeploy.
output hookSecretUri string = '${vault.properties.vaultUri}secrets/${hookSecret.name}'
