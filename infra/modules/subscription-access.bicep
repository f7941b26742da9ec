// Grants the galleryflow identity its subscription-scope reads (quota usages, VMs and
// scale sets that reference an image, status of long-running operations) on one
// subscription: the gallery's, and the source VMs' when it differs.
targetScope = 'subscription'

@description('Name (GUID) of the subscription-reader custom role.')
param roleDefinitionName string

@description('Principal id of the app identity.')
param principalId string

// Role definitions are tenant-wide; this names the role by this subscription's path.
var roleDefinitionId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'galleryflow quota, image-in-use and operation-status reads'
  }
}
