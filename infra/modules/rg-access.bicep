// Grants the galleryflow identity the custom role on one resource group (the gallery's or
// a source VMs' group).
@description('Resource id of the custom role definition.')
param roleDefinitionId string

@description('Principal id of the app identity.')
param principalId string

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
