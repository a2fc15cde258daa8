import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The application's own table: TaskSystem knows nothing of it. */
@Entity('orders')
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('text')
  item!: string;

  /** `placed`, then `receipted` once the receipt task has run. */
  @Column('text', { default: 'placed' })
  status!: string;
}
