/** @odoo-module **/

import { CrmKanbanDynamicGroupList } from "@crm/views/crm_kanban/crm_kanban_model";
import { patch } from "@web/core/utils/patch";

/**
 * Odoo 18.0 keeps a dropped card in the column it was dropped on and only
 * reads the record's values back from the server. A digirules rule fired by
 * the stage change can move the opportunity on to another column (or archive
 * it), so the groups are reloaded when the saved stage is not the drop column.
 */
patch(CrmKanbanDynamicGroupList.prototype, {
    async moveRecord(dataRecordId, dataGroupId, refId, targetGroupId) {
        const result = await super.moveRecord(...arguments);
        if (dataGroupId === targetGroupId || this.groupByField.name !== "stage_id") {
            return result;
        }
        const targetGroup = this.groups.find((group) => group.id === targetGroupId);
        const record = targetGroup?.list.records.find((r) => r.id === dataRecordId);
        // no record in the drop column: the save failed and Odoo put the card back
        if (!record) {
            return result;
        }
        const savedStageId = record.data.stage_id && record.data.stage_id[0];
        if (!record.data.active || savedStageId !== targetGroup.value) {
            await this.model.root.load();
        }
        return result;
    },
});
