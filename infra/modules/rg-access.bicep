// Grants the galleryflow identity the custom role on one resource group (the gallery's or
// a source VMs' group).
@description('Name (GUID) of the custom role definition.')
param roleDefinitionName string

@description('Principal id of the app identity.')
param principalId string

// Role definitions are tenant-wide; this names the role by this subscription's path.
var roleDefinitionId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'galleryflow image pipeline'
  }
}

output id string = assignment.id
