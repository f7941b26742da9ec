// Grants the galleryflow identity its subscription-scope reads (quota usages, VMs and
// scale sets that reference an image) on the gallery's subscription.
targetScope = 'subscription'

@description('Resource id of the subscription-reader custom role.')
param roleDefinitionId string

@description('Principal id of the app identity.')
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'galleryflow quota and image-in-use reads'
  }
}
